// "Install on the home screen": Chromium offers it through beforeinstallprompt once the app is
// installable (manifest, icons, service worker); the account screen shows the button then.
import { createStore } from '../store';

interface InstallEvent extends Event {
  prompt(): Promise<void>;
}

export const installPrompt = createStore<InstallEvent | null>(null);

export function watchInstall(): void {
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    installPrompt.set(event as InstallEvent);
  });
  window.addEventListener('appinstalled', () => installPrompt.set(null));
}
