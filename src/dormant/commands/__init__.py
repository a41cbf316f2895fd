"""The commands that span kinds: demo, report, export, quarantine, release, delete, restore."""
