"""`make demo`: start the local AWS, deploy every stack, send a message and fire the schedule,
then show each message's journey across the five functions.

`rez_demo.harness` is also what the end-to-end suite uses to start and stop the harness.
"""
