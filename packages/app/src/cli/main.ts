#!/usr/bin/env node
/** The `nabla` command line: train, eval, predict, info, export, import, serve. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { TrainConfig } from './checkpoint.js';
import { BUILTIN_DATA, OPTIMIZERS, TRAIN_DEFAULTS } from './defaults.js';
import type { ServeOptions } from '../server/app.js';
import { defaultWorkers, SERVE_DEFAULTS } from '../server/limits.js';

function number(kind: 'int' | 'float', min: number, max = Infinity) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isFinite(v) || (kind === 'int' && !Number.isInteger(v)) || v < min || v > max) {
      throw new InvalidArgumentError(
        `expected ${kind === 'int' ? 'an integer' : 'a number'} in [${min}, ${max}], got '${value}'`,
      );
    }
    return v;
  };
}

function imageSize(value: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(value);
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1))
    throw new InvalidArgumentError(`expected N or HxW (e.g. 28 or 32x48), got '${value}'`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

const json = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** `nabla train`: options to a run, optionally with the live dashboard. */
async function trainAction(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const { train } = await import('./train-command.js');
  const resume = opts.resume as string | undefined;
  const config: Partial<TrainConfig> = resume
    ? {
        ...(given('epochs') ? { epochs: opts.epochs as number } : {}),
        ...(given('out') ? { out: opts.out as string } : {}),
        ...(given('plasticity') ? { plasticity: true } : {}),
      }
    : (Object.fromEntries(
        Object.entries(opts).filter(([k]) => !['dashboard', 'port', 'resume'].includes(k)),
      ) as unknown as TrainConfig);
  if (!opts.dashboard) {
    await train(config, { resume });
    return;
  }
  const { startDashboard } = await import('../server/dashboard.js');
  const dash = await startDashboard(opts.port as number);
  console.log(`dashboard: ${dash.url}`);
  try {
    await train(config, { resume, callbacks: [dash.callback] });
    await dash.finish();
  } catch (e) {
    await dash.close();
    throw e;
  }
  // Keep the final curves on screen until the user is done with them.
  console.log(`training finished; the dashboard stays at ${dash.url} until Ctrl-C`);
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await dash.close();
}

function trainCommand(program: Command): void {
  const d = TRAIN_DEFAULTS;
  program
    .command('train')
    .description(
      'train a classifier; with no arguments: an MLP on the bundled 8x8 digits, then prints held-out accuracy',
    )
    .option(
      '--data <data>',
      `built-in name (${BUILTIN_DATA.join(', ')}), a .csv file, an IDX folder or an image folder`,
      d.data,
    )
    .option('--target <column>', 'target column of a CSV file (default: the last one)')
    .option('--model <model>', "'auto', an MLP spec like mlp:64-128-10, or a zoo name (lenet5, resnet8)", d.model)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default(d.optimizer))
    .option('--lr <rate>', 'learning rate', number('float', 0), d.lr)
    .option('--epochs <n>', 'epochs to train (with --resume: the epoch to reach)', number('int', 1), d.epochs)
    .option('--batch-size <n>', 'samples per batch', number('int', 1), d.batchSize)
    .option(
      '--patience <n>',
      'stop after this many epochs without a better validation loss (0: never)',
      number('int', 0),
      d.patience,
    )
    .option('--seed <n>', 'seed of the split, the initial weights and the shuffles', number('int', 0), d.seed)
    .option(
      '--val-split <fraction>',
      'fraction of the training samples held out for validation',
      number('float', 0, 0.9),
      d.valSplit,
    )
    .option(
      '--test-split <fraction>',
      'fraction held out for the final test (data without a test split)',
      number('float', 0, 0.9),
      d.testSplit,
    )
    .option('--image-size <size>', 'resize image-folder images: N or HxW (needed when their sizes differ)', imageSize)
    .option('--rgb', 'read image folders in colour (default grey)')
    .option('--limit <n>', 'train on only the first n samples of the data', number('int', 1))
    .option('--out <dir>', 'model directory to write (also holds checkpoint/ and report/)', d.out)
    .option('--resume <dir>', 'continue the run saved in this directory, with its options')
    .option(
      '--plasticity',
      'after each epoch, measure dead units, effective and stable rank per hidden layer and mean |weight| on up to 256 validation samples; charted in the report',
    )
    .option('--dashboard', 'serve a live training dashboard in the browser')
    .option('--port <n>', 'dashboard port', number('int', 0, 65535), 3001)
    .action(trainAction);
}

function evalCommand(program: Command): void {
  program
    .command('eval')
    .description('accuracy and loss of a model directory (default: on its held-out test split)')
    .requiredOption('--model <dir>', 'model directory')
    .option('--data <data>', 'data to evaluate on (default: the training data’s test split)')
    .option('--json', 'print JSON')
    .action(async (opts: { model: string; data?: string; json?: boolean }) => {
      const { evalModel } = await import('./use-commands.js');
      const r = evalModel(opts.model, opts.data);
      if (opts.json) return json(r);
      console.log(
        `${r.data}: accuracy ${(r.accuracy * 100).toFixed(2)}%  loss ${r.loss.toFixed(4)}  (${r.samples} samples)`,
      );
      const corner = 'true \\ predicted';
      const width = Math.max(corner.length, ...r.classes.map((c) => c.length));
      console.log(`${corner.padEnd(width)} ${r.classes.map((c) => c.slice(0, 6).padStart(6)).join(' ')}   accuracy`);
      r.classes.forEach((c, i) => {
        const acc = r.perClass[c];
        console.log(
          `${c.padEnd(width)} ${r.confusion[i].map((n) => String(n).padStart(6)).join(' ')}   ${Number.isNaN(acc) ? '-' : `${(acc * 100).toFixed(1)}%`}`,
        );
      });
    });
}

function predictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify an image, a folder of images, or the rows of a CSV file')
    .requiredOption('--model <dir>', 'model directory')
    .argument('<inputs...>', 'image files, image folders or CSV files')
    .option('--top <k>', 'classes to show per input', number('int', 1), 3)
    .option('--json', 'print JSON')
    .action(async (inputs: string[], opts: { model: string; top: number; json?: boolean }) => {
      const { openModel, predictBatch, readInputs } = await import('./use-commands.js');
      const m = openModel(opts.model);
      const results = inputs.flatMap((p) => {
        const { x, names } = readInputs(p, m.pre);
        return predictBatch(m, x, names);
      });
      if (opts.json) return json(results);
      for (const r of results) {
        const top = r.ranking.slice(0, opts.top).map((c) => `${c.class} ${(c.probability * 100).toFixed(1)}%`);
        console.log(`${r.input}: ${r.class}  (${top.join(', ')})`);
      }
    });
}

function infoCommand(program: Command): void {
  program
    .command('info')
    .description(
      'the backend that runs kernels (BLAS library, kernel, threads); with a model directory, also its architecture, parameter count and training summary',
    )
    .argument('[dir]', 'model directory')
    .option('--model <dir>', 'model directory')
    .option('--json', 'print JSON')
    .action(async (dir: string | undefined, opts: { model?: string; json?: boolean }) => {
      const { modelInfo, runtimeInfo } = await import('./use-commands.js');
      const path = dir ?? opts.model;
      const runtime = runtimeInfo();
      if (!path) return opts.json ? json({ runtime }) : console.log(runtime.summary);
      const info = modelInfo(path);
      if (opts.json) return json({ ...info, runtime });
      const { summary, architecture: _a, ...rest } = info;
      console.log(summary);
      for (const [k, v] of Object.entries(rest))
        if (v !== undefined) console.log(`${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
      console.log(runtime.summary);
    });
}

function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write the model as ONNX (opset 17, dynamic batch size), or as a PyTorch project with a DistributedDataParallel train.py',
    )
    .requiredOption('--model <dir>', 'model directory')
    .option('--onnx <file>', 'ONNX output file (the default: DIR/model.onnx)')
    .option('--pytorch <dir>', 'write a PyTorch project (model.py, weights, train.py for torchrun) into this folder')
    .action(async (opts: { model: string; onnx?: string; pytorch?: string }) => {
      if (opts.pytorch) {
        const { exportPyTorch } = await import('./pytorch-command.js');
        exportPyTorch(opts.model, opts.pytorch);
        console.log(`wrote a PyTorch project to ${opts.pytorch}; train: torchrun --nproc_per_node=2 train.py`);
        if (!opts.onnx) return;
      }
      const { exportModel } = await import('./use-commands.js');
      const path = exportModel(opts.model, opts.onnx);
      console.log(`wrote ${path}`);
    });
}

function importCommand(program: Command): void {
  program
    .command('import')
    .description("load weights trained by PyTorch (train.py's trained.safetensors) into a model directory")
    .requiredOption('--pytorch <file>', 'safetensors state_dict with the model’s keys, e.g. trained.safetensors')
    .requiredOption('--into <dir>', 'model directory whose architecture the weights must match')
    .action(async (opts: { pytorch: string; into: string }) => {
      const { importPyTorch } = await import('./pytorch-command.js');
      const { keys, result } = importPyTorch(opts.pytorch, opts.into);
      const acc =
        typeof result?.testAccuracy === 'number'
          ? ` (PyTorch: test accuracy ${(result.testAccuracy * 100).toFixed(2)}%)`
          : '';
      console.log(`loaded ${keys} tensors from ${opts.pytorch} into ${opts.into}${acc}`);
    });
}

function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('web app and JSON API for a model directory')
    .requiredOption('--model <dir>', 'model directory')
    .option('--port <n>', 'port (0: any free port)', number('int', 0, 65535), 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--max-body <bytes>', 'largest request body or upload', number('int', 1), SERVE_DEFAULTS.maxBody)
    .option('--max-rows <n>', 'most rows in one JSON request', number('int', 1), SERVE_DEFAULTS.maxRows)
    .option(
      '--max-pixels <n>',
      'largest image, from its header (16-bit PNG pixels count twice)',
      number('int', 1),
      SERVE_DEFAULTS.maxPixels,
    )
    .option(
      '--max-inflight <n>',
      'most predict requests at once, queued included (more get 429)',
      number('int', 1),
      SERVE_DEFAULTS.maxInflight,
    )
    .option('--workers <n>', 'threads that decode images and run the model', number('int', 1), defaultWorkers())
    .action(async (opts: { model: string } & ServeOptions) => {
      const { serveModel } = await import('../server/app.js');
      const { model, ...options } = opts;
      const server = await serveModel(model, options);
      console.log(`serving ${model} at ${server.url}`);
      // Finish the requests in progress (for at most 5 s) and stop the worker threads, then exit.
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => {
          setTimeout(() => process.exit(0), 5000).unref();
          void server.app.close().then(() => process.exit(0));
        });
    });
}

function playgroundCommand(program: Command): void {
  program
    .command('playground')
    .description('the backprop playground in the browser: forward, loss, backward and update with the real numbers')
    .option('--port <n>', 'port (0: any free port)', number('int', 0, 65535), 3002)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-isolation', 'leave out the COOP/COEP headers (as a plain static host: one thread)')
    .option('--out <dir>', 'write the static files to this folder instead of serving them')
    .action(async (opts: { port: number; host: string; isolation: boolean; out?: string }) => {
      const { servePlayground, writePlayground } = await import('./playground.js');
      if (opts.out) {
        const files = writePlayground(opts.out);
        console.log(`wrote the playground to ${opts.out} (${files.join(', ')}); serve it from any static host`);
        return;
      }
      const server = await servePlayground({ port: opts.port, host: opts.host, isolate: opts.isolation });
      console.log(`playground at ${server.url}`);
    });
}

/** The whole command line: one sub-command per job. */
function buildProgram(): Command {
  const program = new Command('nabla')
    .description('nabla — train, evaluate, inspect and serve neural networks')
    .version('0.1.0')
    .showHelpAfterError();
  trainCommand(program);
  evalCommand(program);
  predictCommand(program);
  infoCommand(program);
  exportCommand(program);
  importCommand(program);
  serveCommand(program);
  playgroundCommand(program);
  return program;
}

// `nabla predict … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`nabla: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
