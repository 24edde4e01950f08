// The polite live region: "saved", "import finished", ... read out by screen readers and shown
// briefly on screen (ui/LiveRegion.tsx renders it).
import { createStore } from './store';

export interface StatusMessage {
  text: string;
  kind: 'info' | 'success' | 'error';
  at: number;
}

export const statusMessage = createStore<StatusMessage | null>(null);

export function announce(text: string, kind: StatusMessage['kind'] = 'success'): void {
  statusMessage.set({ text, kind, at: Date.now() });
}
