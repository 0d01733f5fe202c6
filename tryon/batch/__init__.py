"""Catalog imagery at batch scale: every chosen product rendered on every model photo or video,
by a pool of worker processes (one `Engine` each) or by Ray actors on a cluster.

`tryon.batch.plan` lists the jobs, `tryon.batch.worker` renders one, `tryon.batch.local` and
`tryon.batch.ray_runner` run many, `tryon.batch.journal` records what is done (so a rerun
resumes), `tryon.batch.run` ties them together and `tryon.batch.contact_sheet` draws the grid.
"""
