import { describeError } from '../lib/error-messages.js';

/**
 * Failures nobody awaited (a background load, an event-driven reload): shown in one banner
 * instead of vanishing as unhandled promise rejections.
 */
class Problems {
  messages = $state<string[]>([]);

  report(error: unknown): void {
    const message = describeError(error);
    if (!this.messages.includes(message)) this.messages = [...this.messages.slice(-2), message];
  }

  dismiss(): void {
    this.messages = [];
  }
}

export const problems = new Problems();

/** No promise of the renderer ends unhandled: whatever a screen did not catch is reported here. */
export function reportUnhandledRejections(target: Window): void {
  target.addEventListener('unhandledrejection', (event) => {
    event.preventDefault();
    problems.report(event.reason);
  });
}
