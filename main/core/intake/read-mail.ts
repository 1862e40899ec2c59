import fs from 'node:fs';
import readline from 'node:readline';
import { type Attachment, simpleParser } from 'mailparser';
import { errorMessage } from '../errors.js';

/** A file that came with a mail: a photo candidate (images only; the import pipeline checks the content). */
export interface MailAttachment {
  fileName: string;
  contentType: string;
  bytes: Buffer;
  /** An image shown inside the mail text (Content-ID / inline) rather than attached. */
  inline: boolean;
}

/** One received mail, reduced to what an intake needs. */
export interface ReceivedMail {
  fromName: string | null;
  fromAddress: string | null;
  /** The mail's Date header (ISO 8601), or null when missing or unreadable. */
  date: string | null;
  subject: string | null;
  text: string;
  attachments: MailAttachment[];
  /** Parts that could not be read (a malformed MIME part), named; the rest of the mail is kept. */
  problems: string[];
}

const IMAGE_TYPES = /^image\/(jpeg|jpg|pjpeg|png|tiff|heic|heif|webp)$/i;
const IMAGE_NAMES = /\.(jpe?g|png|tiff?|heic|heif|webp)$/i;

/** Parses one RFC 5322 message; a forwarded mail's photos (message/rfc822 parts) count as this mail's. */
export async function readMail(raw: Buffer, depth = 0): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw, { skipHtmlToText: false, skipTextLinks: true, skipImageLinks: true });
  const sender = parsed.from?.value[0];
  const mail: ReceivedMail = {
    fromName: sender?.name?.trim() || null,
    fromAddress: sender?.address?.trim().toLowerCase() || null,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    subject: parsed.subject?.trim() || null,
    text: (parsed.text ?? '').trim(),
    attachments: [],
    problems: [],
  };
  let index = 0;
  for (const attachment of parsed.attachments) {
    index++;
    if (/^message\/rfc822$/i.test(attachment.contentType)) {
      if (depth >= 5) continue;
      try {
        const forwarded = await readMail(attachment.content, depth + 1);
        mail.attachments.push(...forwarded.attachments);
        mail.problems.push(...forwarded.problems);
        if (forwarded.text) mail.text = `${mail.text}\n\n${forwarded.text}`.trim();
      } catch (error) {
        mail.problems.push(`forwarded message ${attachment.filename ?? `#${index}`} could not be read: ${errorMessage(error)}`);
      }
      continue;
    }
    if (!isImage(attachment)) continue;
    if (!Buffer.isBuffer(attachment.content) || attachment.content.length === 0) {
      mail.problems.push(`attachment ${attachment.filename ?? `#${index}`} is empty or its encoding is damaged`);
      continue;
    }
    mail.attachments.push({
      fileName: safeFileName(attachment.filename ?? `attachment-${index}${extensionFor(attachment.contentType)}`),
      contentType: attachment.contentType,
      bytes: attachment.content,
      inline: attachment.related === true || attachment.contentDisposition === 'inline',
    });
  }
  return mail;
}

function isImage(attachment: Attachment): boolean {
  return IMAGE_TYPES.test(attachment.contentType) || (attachment.filename !== undefined && IMAGE_NAMES.test(attachment.filename));
}

function extensionFor(contentType: string): string {
  const sub = contentType.split('/')[1]?.toLowerCase() ?? 'bin';
  return `.${sub === 'jpeg' || sub === 'pjpeg' ? 'jpg' : sub}`;
}

/** A file name without folders or control characters (it is shown, never used as a path). */
function safeFileName(name: string): string {
  return path_basename(name).replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) || 'attachment';
}

function path_basename(name: string): string {
  const parts = name.split(/[\\/]/);
  return parts[parts.length - 1] ?? name;
}

/**
 * Splits an mbox into its messages, line by line (so a mailbox of any size is read one message
 * at a time). A message starts at a line beginning "From " at the start of the file or after an
 * empty line (mboxo/mboxrd separators); quoted ">From " lines in bodies are unescaped the mboxrd
 * way (one ">" removed). Lines are latin1 strings: a byte-for-byte round trip.
 */
export class MboxSplitter {
  private current: string[] | null = null;
  private previousEmpty = true;

  /** Takes one line (without its "\n"); returns the message it completed, if any. */
  push(line: string): Buffer | null {
    const separator = line.startsWith('From ') && this.previousEmpty;
    this.previousEmpty = line.replace(/\r$/, '') === '';
    if (separator) {
      const done = this.finish();
      this.current = [];
      return done;
    }
    this.current?.push(/^>+From /.test(line) ? line.slice(1) : line);
    return null;
  }

  /** The last message, at the end of the file. */
  end(): Buffer | null {
    return this.finish();
  }

  private finish(): Buffer | null {
    const message = this.current;
    this.current = null;
    if (!message) return null;
    // The empty line before the next separator belongs to the mbox, not the message.
    while (message.length && message[message.length - 1]!.replace(/\r$/, '') === '') message.pop();
    if (!message.some((line) => line.trim())) return null;
    return Buffer.from(`${message.join('\n')}\n`, 'latin1');
  }
}

/** Every message of an mbox held in memory (tests, small files). */
export function splitMbox(raw: Buffer): Buffer[] {
  const splitter = new MboxSplitter();
  const messages: Buffer[] = [];
  for (const line of raw.toString('latin1').split('\n')) {
    const message = splitter.push(line);
    if (message) messages.push(message);
  }
  const last = splitter.end();
  if (last) messages.push(last);
  return messages;
}

/** The messages of an mbox file, read as a stream: one message in memory at a time. */
export async function* mboxMessages(file: string): AsyncGenerator<Buffer> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'latin1' }), crlfDelay: Infinity });
  const splitter = new MboxSplitter();
  for await (const line of lines) {
    const message = splitter.push(line);
    if (message) yield message;
  }
  const last = splitter.end();
  if (last) yield last;
}

/** True when the file starts like an mbox ("From " line) rather than a single message. */
export function looksLikeMbox(raw: Buffer): boolean {
  return raw.subarray(0, 5).toString('latin1') === 'From ';
}

/**
 * The place a visitor described, for photos that have no position: a "Location:", "Place:" or
 * "Where:" line when there is one, else the mail's text (quoted lines and signature left out), shortened.
 */
export function describedPlace(text: string, subject: string | null): string | null {
  const labelled = text.match(/^\s*(?:location|place|where|lugar|ubicación|ort|lieu)\s*:\s*(.+)$/im);
  if (labelled) return labelled[1]!.trim().slice(0, 500);
  const body = text
    .split(/\r?\n-- ?\r?\n/)[0]!
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('>') && !/^-+\s*(forwarded|original) message/i.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const place = body || subject || '';
  return place ? place.slice(0, 500) : null;
}
