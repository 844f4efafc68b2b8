-- The HMAC pads the ingest makes students' pseudonyms with (quizflow/privacy/pseudonyms.py):
-- they live in the pipeline's memory while it ingests, never in the warehouse.
select inner_pad, outer_pad from quizflow_privacy.pseudonym_pads
