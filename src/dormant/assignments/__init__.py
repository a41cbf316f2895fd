"""Identity Center permission-set assignments: unused ones found per account, removed and
put back at the source (``dormant assignments``, ``dormant unassign``, ``dormant restore``)."""
