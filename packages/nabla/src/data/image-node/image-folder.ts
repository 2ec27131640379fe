import { OptionError, ShapeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { convertImage, toTensor, type RawImage } from '../image/raw-image.js';
import { ByteImageDataset, type ImageTransform } from '../image/byte-image-dataset.js';
import { resize } from '../image/transforms.js';
import { readImage } from './decode-image.js';

/** Options of `ImageFolder.load`. */
export interface ImageFolderOptions {
  /** Resize every image to [h, w] (a number: square), bilinearly. Without it all sizes must match. */
  size?: number | readonly [number, number];
  /** 'grey' (1 channel) or 'rgb' (3 channels, the default); alpha is dropped. */
  mode?: 'grey' | 'rgb';
  /** Applied by `getItem` to each [C, H, W] float32 image in [0, 1]. */
  transform?: ImageTransform;
  /** File extensions taken as images (case-insensitive). Default .png, .jpg, .jpeg. */
  extensions?: readonly string[];
}

/** One image file and its class index. */
export interface ImageSample {
  path: string;
  label: number;
}

function listClasses(root: string): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new OptionError(`ImageFolder: ${root} is not a folder`);
  }
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classes.length === 0)
    throw new OptionError(`ImageFolder: ${root} has no class sub-folders (expected ROOT/<class>/<image>.png)`);
  return classes;
}

function listSamples(root: string, classes: readonly string[], extensions: readonly string[]): ImageSample[] {
  const exts = new Set(extensions.map((e) => e.toLowerCase()));
  const samples: ImageSample[] = [];
  const empty: string[] = [];
  classes.forEach((name, label) => {
    const files = readdirSync(join(root, name), { withFileTypes: true })
      .filter((e) => e.isFile() && exts.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    if (files.length === 0) empty.push(name);
    for (const f of files) samples.push({ path: join(root, name, f), label });
  });
  if (samples.length === 0) {
    throw new OptionError(`ImageFolder: no images (${[...exts].join(', ')}) in the class folders of ${root}`);
  }
  if (empty.length > 0) {
    throw new OptionError(
      `ImageFolder: class folder(s) ${empty.join(', ')} in ${root} hold no images (${[...exts].join(', ')})`,
    );
  }
  return samples;
}

/** Decodes, converts and (optionally) resizes one file to uint8 [C, H, W]. */
function loadPixels(
  path: string,
  channels: 1 | 3,
  size: readonly [number, number] | null,
): { data: Uint8Array; h: number; w: number } {
  const img: RawImage = convertImage(readImage(path), channels);
  let t = toTensor(img);
  if (size && (size[0] !== img.height || size[1] !== img.width)) t = resize(size)(t);
  const f = t.toTypedArray();
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = Math.round(Math.min(Math.max(f[i], 0), 1) * 255);
  return { data, h: t.shape[1], w: t.shape[2] };
}

/**
 * Images in one sub-folder per class (`root/cat/001.png`, `root/dog/a.jpg`), like torchvision's
 * `ImageFolder`: classes are the sorted folder names, labels their indices. Every image is
 * decoded once at load time and kept as bytes [C, H, W]; samples are made on demand.
 * @example
 * const ds = ImageFolder.load('data/shapes', { size: 32, mode: 'grey' });
 * const [x, y] = ds.getItem(0); // x: float32 [1, 32, 32], y: int32 class index
 */
export class ImageFolder extends ByteImageDataset {
  private constructor(
    readonly root: string,
    readonly classes: readonly string[],
    readonly samples: readonly ImageSample[],
    pixels: Uint8Array,
    imageShape: readonly [number, number, number],
    transform: ImageTransform | undefined,
  ) {
    super(
      pixels,
      imageShape,
      Int32Array.from(samples, (s) => s.label),
      transform ?? null,
    );
  }

  /** Scans `root`, decodes every image, and checks they share one size (unless `size` is given). */
  static load(root: string, options: ImageFolderOptions = {}): ImageFolder {
    checkOptions('ImageFolder.load', options, { size: true, mode: true, transform: true, extensions: true });
    const classes = listClasses(root);
    const samples = listSamples(root, classes, options.extensions ?? ['.png', '.jpg', '.jpeg']);
    const channels = options.mode === 'grey' ? 1 : 3;
    const size =
      options.size === undefined
        ? null
        : typeof options.size === 'number'
          ? ([options.size, options.size] as const)
          : options.size;
    const first = loadPixels(samples[0].path, channels, size);
    const per = first.data.length;
    const pixels = new Uint8Array(per * samples.length);
    pixels.set(first.data, 0);
    for (let i = 1; i < samples.length; i++) {
      const img = loadPixels(samples[i].path, channels, size);
      if (img.h !== first.h || img.w !== first.w) {
        throw new ShapeError(
          `ImageFolder: images in ${root} have mixed sizes: ${samples[0].path} is ${first.w}x${first.h} (WxH) but ` +
            `${samples[i].path} is ${img.w}x${img.h}; pass { size } to resize them`,
        );
      }
      pixels.set(img.data, i * per);
    }
    return new ImageFolder(root, classes, samples, pixels, [channels, first.h, first.w], options.transform);
  }

  /** Class name to label index. */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }
}
