"""The command line (``dormant``). Never imported by the Lambda handler."""
