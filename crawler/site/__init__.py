"""What a site is: profiles, generator detection, discovery, version menus."""
