"""Remove an unused permission set's assignments in one account, and put them back.

``backup`` is the verified backup of exactly what is removed (a local folder or an object
store such as S3); ``run`` is ``dormant unassign``'s and ``dormant restore``'s logic over the
``AssignmentWriter`` interface. Pure: no boto3 (``dormant.assignments.aws_mutator`` is the
adapter). The permission set itself is never changed or deleted.
"""
