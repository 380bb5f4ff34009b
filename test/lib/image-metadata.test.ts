import t from 'tap';
import { stripImageMetadata } from '../../src/lib/image-metadata.js';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { jpegWithGps, jpegWithoutMetadata, pngWithText } from '../fixtures/photos.js';

t.test('a JPEG loses EXIF (with GPS), XMP and comments and keeps the picture byte for byte', async (t) => {
  const stripped = stripImageMetadata(jpegWithGps(), 'image/jpeg');
  t.ok(stripped);
  t.same(stripped, jpegWithoutMetadata());
  t.notOk(stripped!.includes(Buffer.from('Exif\0\0', 'latin1')), 'no EXIF block');
  t.notOk(stripped!.includes(Buffer.from('GPSLatitude', 'latin1')), 'no XMP coordinates');
  t.notOk(stripped!.includes(Buffer.from('Tverskaya', 'latin1')), 'no comment');
});

t.test('a JPEG without metadata comes back unchanged', async (t) => {
  t.same(stripImageMetadata(jpegWithoutMetadata(), 'image/jpeg'), jpegWithoutMetadata());
});

t.test('a PNG loses its text chunks and keeps the rest', async (t) => {
  const stripped = stripImageMetadata(pngWithText(), 'image/png');
  t.same(stripped, sampleScanPng(40, 30));
});

t.test('broken structures are refused, not passed through', async (t) => {
  t.equal(stripImageMetadata(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 1, 2]), 'image/jpeg'), null, 'a segment longer than the file');
  t.equal(stripImageMetadata(Buffer.from([0xff, 0xd8, 0x00, 0x00]), 'image/jpeg'), null, 'no marker where one must be');
  t.equal(stripImageMetadata(jpegWithGps().subarray(0, 30), 'image/jpeg'), null, 'cut off before the picture');
  t.equal(stripImageMetadata(sampleScanPng(10, 10).subarray(0, 40), 'image/png'), null, 'a PNG cut off');
  t.equal(stripImageMetadata(Buffer.from('not a png at all'), 'image/png'), null);
});
