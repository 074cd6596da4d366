"""EventBridge Scheduler that fires.

LocalStack's free edition stores schedules (in moto's scheduler backend) but never invokes their
targets. A background thread, started by an ``on_infra_start`` hook, reads that store and invokes
each due schedule's target with its ``Input``. Its clock can be advanced by tests through
``POST /_rez/scheduler/advance``.
"""
