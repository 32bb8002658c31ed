"""Notifications: agencies' change streams to the people a change concerns, at least once,
under consent. ``model`` holds the plain data, ``ports`` what each part offers the others."""
