"""What a site is: its profile, generator, versions and the extent of its documentation."""
