-- Runs once, on the first start of an empty volume: a database for the optional Langfuse.
CREATE DATABASE langfuse;
