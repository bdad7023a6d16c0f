import { defineConfig } from 'vitepress'

// The Streamlet CLI handbook: two sections side by side at the site root, /guide/ and
// /reference/, each with its own sidebar; the top bar links both.
export default defineConfig({
  title: 'Streamlet CLI',
  description: 'The command-line client of the Streamlet message queue',
  lang: 'en-US',
  cleanUrls: false,
  lastUpdated: false,
  sitemap: { hostname: 'https://cli.streamlet.example' },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/what-is-streamlet-cli' },
      { text: 'Reference', link: '/reference/commands' },
    ],
    sidebar: {
      '/guide/': [
        {
          text: 'Guide',
          items: [
            { text: 'What is Streamlet CLI?', link: '/guide/what-is-streamlet-cli' },
            { text: 'Installing', link: '/guide/installing' },
            { text: 'Profiles and contexts', link: '/guide/profiles' },
          ],
        },
      ],
      '/reference/': [
        {
          text: 'Reference',
          items: [
            { text: 'Commands', link: '/reference/commands' },
            { text: 'Configuration file', link: '/reference/config-file' },
            { text: 'Exit codes', link: '/reference/exit-codes' },
          ],
        },
      ],
    },
    socialLinks: [{ icon: 'github', link: 'https://github.com/streamlet-example/cli' }],
    footer: { message: 'Released under the Apache License 2.0.', copyright: 'Streamlet contributors' },
    editLink: { pattern: 'https://github.com/streamlet-example/cli/edit/main/docs/:path' },
  },
})
