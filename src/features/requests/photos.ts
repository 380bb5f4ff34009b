import type { FastifyRequest } from 'fastify';
import { MAX_FILES } from '../identity/rules.js';
import { receiveFiles, type ReceivedFiles, type UploadForm } from '../identity/upload.js';
import { cleanPhotos, type CleanPhoto } from './service.js';

// Photos of a request go through the identity upload's reader (CSRF first, bytes
// sniffed, size and count limits), then lose their metadata before they are stored.

export const PHOTO_FIELD = 'photos';
export const MAX_PHOTOS_AT_ONCE = MAX_FILES;

/** The text fields of the request forms that carry photos (the new request; the dispatcher's result). */
const PHOTO_FORM: UploadForm = {
  fileField: PHOTO_FIELD,
  fieldNames: ['accountId', 'kind', 'place', 'description', 'phone', 'smsUpdates', 'status', 'comment'],
  accept: ['image/jpeg', 'image/png'],
  messages: {
    tooLarge: (shown) => `Фотография «${shown}» больше 10 МБ. Уменьшите её и загрузите снова.`,
    empty: (shown) => `Файл «${shown}» пустой. Выберите фотографию.`,
    wrongType: (shown) => `Файл «${shown}» не фотография JPEG или PNG. Выберите фотографию в одном из этих форматов.`,
  },
};

export type ReceivedPhotos = Omit<ReceivedFiles, 'files' | 'fileError'> & { photos: CleanPhoto[]; photoError: string | undefined };

export async function receivePhotos(request: FastifyRequest, uploadDir: string, tokenValid: (token: string) => boolean): Promise<ReceivedPhotos> {
  const { files, fileError, ...received } = await receiveFiles(request, uploadDir, tokenValid, PHOTO_FORM);
  if (fileError) return { ...received, photos: [], photoError: fileError };
  const cleaned = await cleanPhotos(files);
  return { ...received, photos: cleaned.error ? [] : cleaned.photos, photoError: cleaned.error };
}
