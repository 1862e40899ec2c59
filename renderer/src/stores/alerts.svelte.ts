import type { AlertCounts } from '../../../main/api/contract.js';
import { api } from '../lib/api-client.js';

/** Alerts per state for the navigation badge, kept current by the core's alerts:changed events. */
class AlertBadge {
  counts = $state<AlertCounts>({ new: 0, acknowledged: 0, dismissed: 0 });
  /** Bumped on every change, so open screens know to reload their list. */
  version = $state(0);

  constructor() {
    api.listen('alerts:changed', () => void this.reload());
    void this.reload();
  }

  async reload(): Promise<void> {
    try {
      this.counts = await api.call('alerts:counts');
      this.version += 1;
    } catch {
      // The badge is a hint; the alerts screen shows connection errors.
    }
  }
}

export const alertBadge = new AlertBadge();
