import type { BackendState } from '../../../main/api/contract.js';
import { api } from '../lib/api-client.js';

/** How long "back" stays on screen after a restart. */
const RECOVERED_NOTICE_MS = 8000;

/**
 * The station's backend process as the host reports it: while it restarts after stopping
 * (killed, crashed), a banner says so; once it is back, the banner says that for a moment.
 */
class BackendStatus {
  current = $state<BackendState | null>(null);
  private hideTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    api.listen('backend:state', (state) => this.show(state));
  }

  private show(state: BackendState): void {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = null;
    this.current = state;
    if (state.state === 'ready') this.hideTimer = setTimeout(() => (this.current = null), RECOVERED_NOTICE_MS);
  }
}

export const backendStatus = new BackendStatus();
