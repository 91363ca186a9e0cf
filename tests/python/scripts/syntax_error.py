import keel


class Broken(keel.Strategy)
    pass
