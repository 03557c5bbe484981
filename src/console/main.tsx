import { render } from 'preact';
import { App } from './app.js';
import './styles.css';
import './admin.css';
import './revert-overlay.css';
import './governance.css';
import './browse.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
