import { render } from 'preact';
import { App } from './app';
import { preload } from './routes';
import { loadSession } from './session';
import './styles.css';

// Before the first render: ask who is signed in, and fetch the screen of the page asked for
// (and, for the dashboard, its figures) at the same time, not one after the other.
void loadSession();
preload(window.location.pathname);

render(<App />, document.getElementById('app')!);
