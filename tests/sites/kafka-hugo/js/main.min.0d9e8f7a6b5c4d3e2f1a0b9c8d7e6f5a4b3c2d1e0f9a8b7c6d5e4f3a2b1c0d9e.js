/* Stand-in for the Docsy theme script bundle; the real bundle is not needed by the tests. */
