"""Flask blueprints: thin views that verify, translate, call a core and render."""
