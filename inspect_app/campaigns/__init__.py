"""Campaigns (验收批次) and checklist versions (验收核查表): create, publish, open, close."""
