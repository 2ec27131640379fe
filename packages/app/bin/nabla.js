#!/usr/bin/env node
// The `nabla` command: a fixed file for npm to link at install time (dist/ is built afterwards).
import '../dist/cli/main.js';
