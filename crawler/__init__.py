"""docprompts crawler: Scrapy glue plus the pure page stages (render, clean, extract, sections)."""
