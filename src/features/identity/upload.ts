import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { fileTypeFromFile } from 'file-type';
import { MAX_FILES, MAX_FILE_BYTES, displayName, fileNameProblem, isAllowedMime } from './rules.js';
import type { DocumentMime } from './tables.js';

/** One accepted file, still under its temporary name. */
export type ReceivedFile = {
  tempPath: string;
  originalName: string;
  mime: DocumentMime;
  size: number;
  sha256: string;
};

/** The text fields of the form besides the kind and the consent (the personal data). */
export const PERSONAL_FIELDS = ['lastName', 'firstName', 'middleName', 'birthDate'] as const;

/** What one upload form accepts and how it words a refused file; the identity form is one, request photos another. */
export type UploadForm = {
  fileField: string;
  /** The text fields read from the body (others are ignored). */
  fieldNames: readonly string[];
  /** Types accepted, as decided from the bytes. */
  accept: readonly DocumentMime[];
  messages: { tooLarge(shown: string): string; empty(shown: string): string; wrongType(shown: string): string };
};

/** A multipart body as read: text fields, accepted files, and what was wrong with the rest. */
export type ReceivedFiles = {
  /** The form's CSRF token came first and was valid; files are only written after it. */
  csrfValid: boolean;
  fields: Record<string, string>;
  files: ReceivedFile[];
  /** What was wrong with the files (the first problem found), for the message next to the field. */
  fileError: string | undefined;
  /** A file was over the size limit: the answer is 413. */
  tooLarge: boolean;
  /** Every temporary file written, valid or not; removed before the answer is sent (acceptUploads). */
  tempPaths: string[];
};

export type ReceivedUpload = Omit<ReceivedFiles, 'fields'> & {
  kind: string | undefined;
  personal: Record<(typeof PERSONAL_FIELDS)[number], string>;
  consent: boolean;
};

export const FILE_FIELD = 'documents';

/** A scanned document (JPEG, PNG or PDF) under the given field: identity documents, the papers behind a dwelling request. */
export function documentForm(fileField: string, fieldNames: readonly string[] = []): UploadForm {
  return {
    fileField,
    fieldNames,
    accept: ['image/jpeg', 'image/png', 'application/pdf'],
    messages: {
      tooLarge: (shown) => `Файл «${shown}» больше 10 МБ. Уменьшите его (например, сохраните скан с меньшим разрешением) и загрузите снова.`,
      empty: (shown) => `Файл «${shown}» пустой. Выберите файл со сканом документа.`,
      wrongType: (shown) => `Файл «${shown}» не является изображением JPEG, PNG или документом PDF. Загрузите скан в одном из этих форматов.`,
    },
  };
}

const IDENTITY_FORM = documentForm(FILE_FIELD, ['kind', 'consent', ...PERSONAL_FIELDS]);

/** The limits every upload route registers @fastify/multipart with. */
const MULTIPART_LIMITS = {
  fileSize: MAX_FILE_BYTES,
  files: MAX_FILES,
  fields: 20,
  parts: MAX_FILES + 20,
  fieldSize: 4096,
  fieldNameSize: 100,
  headerPairs: 20,
};

/** The identity form: the document kind, the consent, the personal data and the scans. */
export async function receiveUpload(request: FastifyRequest, uploadDir: string, tokenValid: (token: string) => boolean): Promise<ReceivedUpload> {
  const { fields, ...received } = await receiveFiles(request, uploadDir, tokenValid, IDENTITY_FORM);
  const personal = { lastName: '', firstName: '', middleName: '', birthDate: '' };
  for (const name of PERSONAL_FIELDS) personal[name] = fields[name] ?? '';
  return { ...received, kind: fields.kind, personal, consent: fields.consent === 'yes' };
}

/** The temporary files each request's upload wrote (receiveFiles), removed before its answer is sent. */
const temporaryFilesOf = new WeakMap<FastifyRequest, string[]>();

/**
 * Multipart for the plugin that receives uploads (identity documents, verification
 * certificates, documents behind dwelling requests), with every limit set: the rest
 * of the app never parses uploads.
 */
export async function acceptUploads(app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    preservePath: true, // keep "../" in file names visible, so such names are refused rather than trimmed
    throwFileSizeLimit: false, // a file over the limit is reported after the whole body was read
    limits: MULTIPART_LIMITS,
  });
  // A request's temporary files are gone before its answer leaves, whatever the answer (a
  // page, a redirect, an error). Removed in the route's `finally`, after `reply.redirect()`
  // had already sent the answer, a client acting on it could still find them.
  app.addHook('onSend', async (request, _reply, payload) => {
    const paths = temporaryFilesOf.get(request);
    if (paths) {
      temporaryFilesOf.delete(request);
      await removeFiles(paths);
    }
    return payload;
  });
}

/**
 * Reads the whole multipart body: the CSRF token (the form's first field; no file
 * is written before it checks out), fields, and files streamed to temporary names
 * in the upload folder while their SHA-256 is computed. The type of each file is
 * decided from its bytes. Nothing here is final: the caller stores the files
 * (keepFiles) only once the whole submission is valid.
 */
export async function receiveFiles(request: FastifyRequest, uploadDir: string, tokenValid: (token: string) => boolean, form: UploadForm): Promise<ReceivedFiles> {
  const received: ReceivedFiles = { csrfValid: false, fields: {}, files: [], fileError: undefined, tooLarge: false, tempPaths: [] };
  temporaryFilesOf.set(request, received.tempPaths);
  const fileError = (message: string) => {
    received.fileError ??= message;
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === '_csrf') received.csrfValid = tokenValid(String(part.value));
        else if (form.fieldNames.includes(part.fieldname) && typeof part.value === 'string') received.fields[part.fieldname] = part.value;
        continue;
      }
      const name = part.filename ?? '';
      // Every stream must be read to the end or the request never finishes.
      if (!received.csrfValid || part.fieldname !== form.fileField || name === '' || received.fileError) {
        await drain(part.file);
        continue;
      }
      const nameProblem = fileNameProblem(name);
      if (nameProblem) {
        await drain(part.file);
        fileError(nameProblem);
        continue;
      }
      const tempPath = path.join(uploadDir, `${randomUUID()}.part`);
      received.tempPaths.push(tempPath);
      const { size, sha256 } = await writeHashed(part.file, tempPath);
      const shown = displayName(name);
      // pipeline() resolves even when the size limit cut the file short.
      if (part.file.truncated) {
        received.tooLarge = true;
        fileError(form.messages.tooLarge(shown));
        continue;
      }
      if (size === 0) {
        fileError(form.messages.empty(shown));
        continue;
      }
      const type = await fileTypeFromFile(tempPath);
      if (!isAllowedMime(type?.mime) || !form.accept.includes(type.mime)) {
        fileError(form.messages.wrongType(shown));
        continue;
      }
      received.files.push({ tempPath, originalName: shown, mime: type.mime, size, sha256 });
    }
  } catch (error) {
    fileError(messageFor(error, request));
  }
  return received;
}

export type StoredFile = ReceivedFile & { fileId: number };

/**
 * Records accepted files in one transaction: their bytes go into uploaded_files,
 * then `write` inserts the rows that own them (it gets their ids). If anything
 * fails, the bytes roll back with the rows, so nothing is left half-done. The
 * temporary files go when the answer is sent (acceptUploads).
 */
export async function keepFiles<T>(
  db: Kysely<Database>,
  files: ReceivedFile[],
  write: (trx: Transaction<Database>, stored: StoredFile[]) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const stored: StoredFile[] = [];
    for (const file of files) stored.push({ ...file, fileId: await storeUploadedFile(trx, file.tempPath) });
    return write(trx, stored);
  });
}

/**
 * Copies a received file into the database, where every web process can read it.
 * One file at a time: a request holds at most one file's bytes in memory.
 */
export async function storeUploadedFile(trx: Transaction<Database>, tempPath: string): Promise<number> {
  const bytes = await readFile(tempPath);
  const row = await trx.insertInto('uploaded_files').values({ bytes }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function removeFiles(paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}

function messageFor(error: unknown, request: FastifyRequest): string {
  const limits = request.server.multipartErrors;
  if (error instanceof limits.FilesLimitError) return `Можно загрузить не больше ${MAX_FILES} файлов за один раз.`;
  if (error instanceof limits.PartsLimitError || error instanceof limits.FieldsLimitError) {
    return 'Форма отправлена с лишними полями. Обновите страницу и попробуйте снова.';
  }
  if (error instanceof limits.InvalidMultipartContentTypeError) return 'Выберите файл и отправьте форму ещё раз.';
  request.log.warn({ err: error }, 'upload was cut off');
  return 'Файлы загрузились не полностью: соединение прервалось. Попробуйте ещё раз.';
}

async function writeHashed(file: Readable, target: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  // Opened before streaming, so a stream destroyed by a broken request cannot
  // create the file after the caller has removed it.
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
  try {
    await once(out, 'ready');
  } catch (error) {
    file.resume();
    throw error;
  }
  await pipeline(file, tap, out);
  return { size, sha256: hash.digest('hex') };
}

function drain(file: Readable): Promise<void> {
  return new Promise((resolve) => {
    file.on('end', resolve).on('close', resolve).on('error', () => resolve()).resume();
  });
}

/** An upload still being received is younger than this; an older `.part` file was left by a crash. */
export const PARTIAL_UPLOAD_MAX_AGE_MS = 30 * 60_000;

/**
 * Deletes `.part` files a killed process left in the upload folder. Run at start-up
 * and by the hourly retention job; young files may belong to another process's upload.
 */
export async function removePartialUploads(uploadDir: string, nowMs = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(uploadDir).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(uploadDir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info || nowMs - info.mtimeMs < PARTIAL_UPLOAD_MAX_AGE_MS) continue;
    await rm(file, { force: true });
    removed += 1;
  }
  return removed;
}
