// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';

// Streamlet Bridge: two sidebar groups, /start/ and /operate/, at the site root.
export default defineConfig({
  site: 'https://bridge.streamlet.example',
  integrations: [
    starlight({
      title: 'Streamlet Bridge',
      social: [{ icon: 'github', label: 'GitHub', href: 'https://github.com/streamlet-example/bridge' }],
      editLink: { baseUrl: 'https://github.com/streamlet-example/bridge/edit/main/' },
      sidebar: [
        { label: 'Start here', items: ['start/overview', 'start/install'] },
        { label: 'Operate', items: ['operate/routing', 'operate/monitoring'] },
      ],
    }),
  ],
});
