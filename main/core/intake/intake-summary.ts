import type { IntakeResult } from './intake.js';

/** What the UI shows after an intake: counts and messages, no contact addresses. */
export interface IntakeSummary {
  submissions: Array<{ id: string; channel: string; receivedAt: string; photos: number; licence: string; consentToName: boolean; subject: string | null; creditName: string | null }>;
  photos: number;
  alreadyReceived: string[];
  skipped: Array<{ source: string; reason: string }>;
  errors: Array<{ source: string; fileName: string; code: string; message: string }>;
  problems: Array<{ source: string; problem: string }>;
  pendingPlaces: number;
}

export function summariseIntake(result: IntakeResult, creditNameOf: (submitterId: string) => string | null, pendingPlaces: number): IntakeSummary {
  return {
    submissions: result.submissions.map((submission) => ({
      id: submission.id,
      channel: submission.channel,
      receivedAt: submission.receivedAt,
      photos: submission.photos.length,
      licence: submission.licence,
      consentToName: submission.consentToName,
      subject: submission.subject,
      creditName: creditNameOf(submission.submitterId),
    })),
    photos: new Set(result.submissions.flatMap((submission) => submission.photos.map((photo) => photo.sha256))).size,
    alreadyReceived: result.alreadyReceived,
    skipped: result.skipped,
    errors: result.errors,
    problems: result.problems,
    pendingPlaces,
  };
}
