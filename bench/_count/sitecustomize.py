"""Counts every AWS API call a Python process makes, for the publish benchmark.

Put this folder on PYTHONPATH and set BENCH_COUNT_FILE: each botocore request (one per API
call, retries included in the one) appends its operation name (PutObject, UploadPart,
HeadObject, ...) to that file. The AWS CLI and both Ansible modules run on botocore, so the
three tools are counted the same way.
"""

import os

_path = os.environ.get("BENCH_COUNT_FILE")
if _path:
    import botocore.endpoint

    _orig = botocore.endpoint.Endpoint.make_request

    def _counting(self, operation_model, request_dict):
        fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (operation_model.name + "\n").encode())
        finally:
            os.close(fd)
        return _orig(self, operation_model, request_dict)

    botocore.endpoint.Endpoint.make_request = _counting
