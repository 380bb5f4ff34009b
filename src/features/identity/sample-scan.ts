import { crc32, deflateSync } from 'node:zlib';

/**
 * A small, valid PNG that looks like a document page (a photo box and lines of
 * "text"), drawn in code so the demo data and the tests need no binary files.
 */
export function sampleScanPng(width = 320, height = 200): Buffer {
  const pixel = (x: number, y: number): [number, number, number] => {
    if (x < 4 || y < 4 || x >= width - 4 || y >= height - 4) return [120, 90, 70];
    if (x >= 20 && x < 100 && y >= 30 && y < 130) return [170, 170, 180];
    const line = y >= 40 && y < 150 && (y - 40) % 18 < 6;
    if (line && x >= 120 && x < width - 30 - ((y * 7) % 60)) return [60, 60, 70];
    return [246, 240, 226];
  };
  // Each row: filter byte 0 (none), then RGB triples.
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
