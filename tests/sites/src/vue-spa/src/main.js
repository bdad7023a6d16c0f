import { createApp, h } from 'vue'
import { createRouter, createWebHashHistory, RouterLink, RouterView } from 'vue-router'
import { pages } from './pages.js'

// One component per page: its title, introduction and sections, each heading with its id.
function pageComponent(page) {
  return {
    name: page.title,
    render: () => h('article', { class: 'page' }, [
      h('h1', page.title),
      h('p', page.intro),
      ...page.sections.flatMap((section) => [
        h('h2', { id: section.id }, section.title),
        ...section.text.map((paragraph) => h('p', paragraph)),
      ]),
    ]),
  }
}

const router = createRouter({
  history: createWebHashHistory(),   // every page is a #/ route
  routes: pages.map((page) => ({ path: page.path, component: pageComponent(page) })),
})

const App = {
  render: () => h('div', { class: 'layout' }, [
    h('nav', { class: 'menu' }, pages.map((page) => h(RouterLink, { to: page.path }, () => page.title))),
    h('main', [h(RouterView)]),
  ]),
}

createApp(App).use(router).mount('#app')
