"""Benchmark of the embedded Cognito Identity service (`make bench`, `python -m bench [--quick]`).

It prints figures, not pass/fail tests: GetId calls per second through one boto3 client
against a trivial WSGI app (the floor boto3 and HTTP allow), moto's server, our server
and our in-process path; ListIdentities latency as the pool grows; and the ratios the
project targets. Results also go to bench-results/latest.txt.
"""
