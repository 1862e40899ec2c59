import { refreshAlerts } from '../core/geo/alerts.js';
import type { Library } from '../core/library/index.js';
import type { GeoSettings } from '../core/settings.js';
import type { AlertCounts, AlertsRefreshed } from './contract.js';
import type { EventBus } from './events.js';

/**
 * Reviews come about one a second from the keyboard, and a refresh holds this process (and
 * the database's write lock) for its whole run: ~0.3 s at 5,000 photos, ~1 s at 20,000
 * (bench/alerts-refresh.bench.ts, 2 cores). So reviews and placements ask for a refresh once the
 * ranger pauses this long; imports, zone loads and explicit refreshes run it at once.
 */
export const REVIEW_ALERT_REFRESH_DELAY_MS = 3000;

/** Keeps the library's alerts up to date for the UI and tells it when they changed. */
export class AlertsRefresher {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly library: Library,
    private readonly settings: GeoSettings,
    private readonly events: EventBus,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly delayMs = REVIEW_ALERT_REFRESH_DELAY_MS,
  ) {}

  /** Runs the alert rules now and announces the outcome. */
  refreshNow(): AlertsRefreshed {
    this.cancelScheduled();
    const { raised, ...rest } = refreshAlerts(this.library, this.settings);
    const result = { ...rest, raised: raised.length };
    this.events.emit('alerts:changed', { open: result.open, raised: result.raised });
    return result;
  }

  /** Refreshes soon, once for a burst of changes (reviews, placements). */
  schedule(): void {
    this.cancelScheduled();
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.refreshNow();
      } catch (error) {
        this.onError(error);
      }
    }, this.delayMs);
  }

  /** A state change by a ranger (acknowledge, dismiss, reopen): only the counts moved. */
  announceStateChange(): void {
    this.events.emit('alerts:changed', { open: this.counts().new, raised: 0 });
  }

  counts(): AlertCounts {
    const counts: AlertCounts = { new: 0, acknowledged: 0, dismissed: 0 };
    for (const alert of this.library.alerts.keys()) counts[alert.state] += 1;
    return counts;
  }

  /** Drops a pending refresh (shutdown). */
  cancelScheduled(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
