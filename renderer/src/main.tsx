import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureToken } from './auth';
import { App } from './app';
import './styles.css';

captureToken();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
