"""The engine every kind runs on: the Config rule run (``rule``), the fan-out over accounts
(``accounts``) and the bounded worker pool (``pool``). Pure: no boto3, no kind.
"""
