"""Register files in: reading CSV and XLSX, checking rows, staging and merging them."""
