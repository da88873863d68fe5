def multitask_rademacher_protocol(*a, **k):
    raise NotImplementedError
