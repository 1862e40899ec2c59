import { mount } from 'svelte';
import App from './App.svelte';
import { reportUnhandledRejections } from './stores/problems.svelte.js';
import './app.css';

reportUnhandledRejections(window);
mount(App, { target: document.getElementById('app')! });
