import type { Db } from './database.js';
import type { CaptureTimeSource } from './types.js';
import { writeTransaction } from './write-transaction.js';

export interface CaptureTimeReread {
  photoId: number;
  sha256: string;
  /** Every path the photo was seen at, newest first. */
  paths: string[];
}

/**
 * Capture times set after import: the re-read of photos stored before XMP and IPTC dates were
 * read (a work list, one row per photo still to do), and the file-time fallback.
 */
export class CaptureTimesStore {
  constructor(private readonly db: Db) {}

  /** The next photos still to re-read, in photo id order after `afterPhotoId`. */
  pendingRereads(afterPhotoId: number, limit: number): CaptureTimeReread[] {
    const rows = this.db
      .prepare<[number, number], { photo_id: number; sha256: string; paths: string | null }>(`
        SELECT r.photo_id, ph.sha256,
               (SELECT json_group_array(path) FROM (SELECT path FROM photo_paths pp WHERE pp.photo_id = r.photo_id ORDER BY seen_at DESC, path)) AS paths
        FROM capture_time_rereads r JOIN photos ph ON ph.id = r.photo_id
        WHERE r.photo_id > ? ORDER BY r.photo_id LIMIT ?`)
      .all(afterPhotoId, limit);
    return rows.map((row) => ({ photoId: row.photo_id, sha256: row.sha256, paths: JSON.parse(row.paths ?? '[]') as string[] }));
  }

  pendingRereadCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM capture_time_rereads').get()!.n;
  }

  /** Photos per capture-time source ('none' for those without a capture time). */
  countsBySource(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.db.prepare<[], { source: string; n: number }>(`SELECT coalesce(captured_at_source, 'none') AS source, count(*) AS n FROM photos GROUP BY 1 ORDER BY 1`).all()) {
      counts[row.source] = row.n;
    }
    return counts;
  }

  /**
   * Marks one photo's re-read done, storing the capture time found (if any) in the same
   * transaction, so an interrupted re-read resumes with the photos still pending. A capture
   * time already present (set meanwhile) is never overwritten.
   */
  finishReread(photoId: number, found: { capturedAt: string; source: CaptureTimeSource } | null): void {
    writeTransaction(this.db, () => {
      if (found) {
        this.db
          .prepare('UPDATE photos SET captured_at = ?, captured_at_source = ? WHERE id = ? AND captured_at IS NULL')
          .run(found.capturedAt, found.source, photoId);
      }
      this.db.prepare('DELETE FROM capture_time_rereads WHERE photo_id = ?').run(photoId);
    });
  }
}
