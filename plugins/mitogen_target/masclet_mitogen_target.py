"""Set-up the strategy (plugins/strategy/mitogen_linear.py) runs in each host's interpreter.

Mitogen keeps one Python interpreter per host for the whole run, and the AWS collections'
modules run inside it, one after another. Each module builds a new botocore session, and
each session parses botocore's data files again: the 1.2 MB endpoints.json and every
service's model (EC2's is 4.3 MB), with an OrderedDict per object. In a no-op site.yml
that was ~6 s of the run's critical path; parsed once per interpreter instead, and the list
of services botocore searches its folders for before each model, made once too.
"""


def share_botocore_data() -> bool:
    """Parse each botocore data file once in this interpreter; False where botocore is absent.

    botocore already shares what it parses between every client of one session (its
    loader's cache), so its code is written for data that outlives one client: what it
    writes into that data is derived from the data itself (an endpoint's expanded hostname,
    a model's extras merged again with the same values), and what depends on a client's
    configuration (retries) it deep-copies first. Sharing between sessions is what one
    long-lived session does.
    """
    try:
        from botocore import loaders
    except ImportError:
        return False
    original = loaders.JSONFileLoader.load_file
    if getattr(original, "masclet_shared", False):
        return True
    parsed: dict = {}

    def load_file(self, file_path):
        # Missing files (None) are not remembered: botocore probes several names.
        if parsed.get(file_path) is None:
            parsed[file_path] = original(self, file_path)
        return parsed[file_path]

    load_file.masclet_shared = True
    loaders.JSONFileLoader.load_file = load_file

    # Before each model it loads, a new session lists every service botocore knows (~400
    # folders, a stat for each of their files): the same list while the files stay put.
    list_services = loaders.Loader.list_available_services
    listed: dict = {}

    def list_available_services(self, type_name):
        key = (tuple(self.search_paths), type_name)
        if key not in listed:
            listed[key] = list_services(self, type_name)
        return list(listed[key])

    loaders.Loader.list_available_services = list_available_services
    return True
