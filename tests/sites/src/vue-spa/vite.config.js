// Relative asset URLs: the built app works from any folder (served under /handbook/ in tests).
export default { base: './', build: { assetsInlineLimit: 0 } }
