import type { Db } from './database.js';
import { writeTransaction } from './write-transaction.js';

/** observation_members: which photos are one observation (a burst of the same plant). */
export class ObservationsStore {
  private readonly groupOfPhoto;
  private readonly membersOf;
  private readonly insertMember;
  private readonly clearAll;

  constructor(private readonly db: Db) {
    this.groupOfPhoto = db.prepare<[number], { group_id: number }>('SELECT group_id FROM observation_members WHERE photo_id = ?');
    this.membersOf = db.prepare<[number], { photo_id: number }>('SELECT photo_id FROM observation_members WHERE group_id = ? ORDER BY photo_id');
    this.insertMember = db.prepare('INSERT INTO observation_members (photo_id, group_id) VALUES (?, ?)');
    this.clearAll = db.prepare('DELETE FROM observation_members');
  }

  /** Replaces the whole grouping (it is recomputed from positions, times and embeddings). */
  replaceAll(groups: readonly (readonly number[])[]): void {
    writeTransaction(this.db, () => {
      this.clearAll.run();
      for (const members of groups) {
        const groupId = Math.min(...members);
        for (const photoId of members) this.insertMember.run(photoId, groupId);
      }
    });
  }

  /** The photos of the observation `photoId` belongs to (just itself when it is alone or not grouped yet). */
  membersWith(photoId: number): number[] {
    const group = this.groupOfPhoto.get(photoId);
    return group ? this.membersOf.all(group.group_id).map((row) => row.photo_id) : [photoId];
  }

  /** Every group of two or more photos, each sorted; the group id is its first photo. */
  groups(): number[][] {
    const byGroup = new Map<number, number[]>();
    for (const row of this.db.prepare<[], { photo_id: number; group_id: number }>('SELECT * FROM observation_members ORDER BY group_id, photo_id').all()) {
      let members = byGroup.get(row.group_id);
      if (!members) byGroup.set(row.group_id, (members = []));
      members.push(row.photo_id);
    }
    return [...byGroup.values()].filter((members) => members.length > 1);
  }
}
