// Strips what a photo says about where and when it was taken (EXIF with GPS, XMP,
// IPTC, comments, PNG text chunks) while keeping the picture itself byte for byte.
// Plain byte walking over the JPEG segments and PNG chunks: no decoding, no re-encoding.

/** JPEG markers dropped: APP1 (EXIF, XMP), APP12 (Ducky/Picture Info), APP13 (IPTC/Photoshop), COM (comments). */
const JPEG_DROPPED = new Set([0xe1, 0xec, 0xed, 0xfe]);
/** PNG chunks dropped: EXIF, text of every kind, and the time of last change. */
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image without its metadata, or null when its structure is broken (the caller refuses the file). */
export function stripImageMetadata(bytes: Buffer, mime: 'image/jpeg' | 'image/png'): Buffer | null {
  return mime === 'image/jpeg' ? stripJpeg(bytes) : stripPng(bytes);
}

function stripJpeg(bytes: Buffer): Buffer | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const kept: Buffer[] = [bytes.subarray(0, 2)];
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    // Fill bytes (0xFF 0xFF …) may pad before a marker.
    let markerAt = at + 1;
    while (bytes[markerAt] === 0xff) markerAt += 1;
    const marker = bytes[markerAt];
    if (marker === undefined) return null;
    if (marker === 0xd9) {
      kept.push(bytes.subarray(at, markerAt + 1));
      return Buffer.concat(kept);
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      kept.push(bytes.subarray(at, markerAt + 1));
      at = markerAt + 1;
      continue;
    }
    if (markerAt + 2 >= bytes.length) return null;
    const length = bytes.readUInt16BE(markerAt + 1);
    const end = markerAt + 1 + length;
    if (length < 2 || end > bytes.length) return null;
    // Start of scan: the compressed picture follows up to the end; keep it all.
    if (marker === 0xda) {
      kept.push(bytes.subarray(at));
      return Buffer.concat(kept);
    }
    if (!JPEG_DROPPED.has(marker)) kept.push(bytes.subarray(at, end));
    at = end;
  }
  return null;
}

function stripPng(bytes: Buffer): Buffer | null {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  const kept: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) return null;
    if (!PNG_DROPPED.has(type)) kept.push(bytes.subarray(at, end));
    at = end;
    if (type === 'IEND') return Buffer.concat(kept);
  }
  return null;
}
