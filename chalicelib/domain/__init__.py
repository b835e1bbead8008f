"""Pure domain rules: no I/O, no clock reads unless passed in."""
