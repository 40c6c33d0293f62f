// placeholder, replaced by the importer
