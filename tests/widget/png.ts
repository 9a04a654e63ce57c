/**
 * A tiny PNG decoder for screenshot comparison: 8-bit RGB/RGBA (and grey), non-interlaced, which is
 * what Chromium writes. Inflate comes from node:zlib; the scanline filters are undone here.
 */
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, row after row. */
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function decodePng(file: Uint8Array): Image {
  if (!SIGNATURE.every((byte, index) => file[index] === byte)) throw new Error("not a PNG");
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = 8;
  let width = 0,
    height = 0,
    depth = 0,
    colour = 0,
    interlace = 0;
  const idat: Uint8Array[] = [];
  while (offset < file.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...file.subarray(offset + 4, offset + 8));
    const data = file.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      depth = data[8]!;
      colour = data[9]!;
      interlace = data[12]!;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (depth !== 8 || !channels || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[out + x - channels]! : 0;
      const b = y > 0 ? pixels[out - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[out - stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      pixels[out + x] = (line[x]! + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) {
      rgba[i * 4] = pixels[s]!;
      rgba[i * 4 + 1] = pixels[s + 1]!;
      rgba[i * 4 + 2] = pixels[s + 2]!;
      rgba[i * 4 + 3] = channels === 4 ? pixels[s + 3]! : 255;
    } else {
      rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = pixels[s]!;
      rgba[i * 4 + 3] = channels === 2 ? pixels[s + 1]! : 255;
    }
  }
  return { width, height, rgba };
}

export interface Comparison {
  same: boolean;
  reason: string;
  /** Share of pixels that differ by more than the per-channel tolerance. */
  differing: number;
}

/**
 * Equal within tolerance: same size, and at most `maxShare` of the pixels differ by more than
 * `channelTolerance` in any channel (anti-aliasing and font hinting move a few edge pixels).
 */
export function compareImages(actual: Image, expected: Image, options: { channelTolerance?: number; maxShare?: number } = {}): Comparison {
  const tolerance = options.channelTolerance ?? 40;
  const maxShare = options.maxShare ?? 0.005;
  if (actual.width !== expected.width || actual.height !== expected.height) {
    return { same: false, differing: 1, reason: `size ${actual.width}x${actual.height}, baseline ${expected.width}x${expected.height}` };
  }
  let differing = 0;
  for (let i = 0; i < actual.rgba.length; i += 4) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(actual.rgba[i + c]! - expected.rgba[i + c]!) > tolerance) {
        differing++;
        break;
      }
    }
  }
  const share = differing / (actual.width * actual.height);
  return {
    same: share <= maxShare,
    differing: share,
    reason: `${differing} pixels (${(share * 100).toFixed(2)}%) differ, at most ${(maxShare * 100).toFixed(2)}% allowed`,
  };
}
