// Docusaurus site for the docprompts test fixture: the fictional "Streamlet Operator".
// Versions: 2.0 (newest release, served unversioned at /docs/...), 1.4 (older release at
// /docs/1.4/...) and the unreleased "current" docs at /docs/next/... labelled "Next".
// @ts-check

/** @type {import('@docusaurus/types').Config} */
const config = {
  title: 'Streamlet Operator',
  tagline: 'Run Streamlet clusters on Kubernetes',
  url: 'https://operator.streamlet.example',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  trailingSlash: undefined,
  i18n: {defaultLocale: 'en', locales: ['en']},
  presets: [
    [
      'classic',
      /** @type {import('@docusaurus/preset-classic').Options} */
      ({
        docs: {
          sidebarPath: './sidebars.js',
          editUrl: 'https://git.streamlet.example/operator/edit/main/website/',
          showLastUpdateTime: true,
          showLastUpdateAuthor: true,
          lastVersion: '2.0',
          versions: {
            current: {label: 'Next', path: 'next'},
          },
        },
        blog: {
          showReadingTime: false,
          onInlineAuthors: 'ignore',
          onUntruncatedBlogPosts: 'ignore',
        },
        theme: {},
        sitemap: {lastmod: null, changefreq: null, priority: null},
      }),
    ],
  ],
  themeConfig:
    /** @type {import('@docusaurus/preset-classic').ThemeConfig} */
    ({
      navbar: {
        title: 'Streamlet Operator',
        items: [
          {type: 'docSidebar', sidebarId: 'docs', position: 'left', label: 'Docs'},
          {to: '/blog', label: 'Blog', position: 'left'},
          {type: 'docsVersionDropdown', position: 'right'},
          {href: 'https://git.streamlet.example/operator', label: 'Source', position: 'right'},
        ],
      },
      footer: {
        style: 'dark',
        links: [
          {title: 'Docs', items: [{label: 'Getting started', to: '/docs/getting-started'}]},
          {title: 'Community', items: [{label: 'Blog', to: '/blog'}]},
        ],
        copyright: 'Copyright © 2025 The Streamlet authors. Built with Docusaurus.',
      },
      prism: {additionalLanguages: ['bash', 'yaml']},
    }),
};

module.exports = config;
