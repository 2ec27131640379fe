/** `nn`: layers, containers, initialisers and the functional interface. */
export { Module, type StateDict } from './module.js';
export { Parameter } from './parameter.js';
export { Linear } from './linear.js';
export { Sequential, ModuleList } from './container.js';
export * as init from './init.js';
export * as functional from './functional/index.js';
