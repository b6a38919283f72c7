MERGE INTO invoice (id, customer, amount, status) KEY (id) VALUES
    (1, 'Acme', 120.50, 'open'),
    (2, 'Globex', 99.00, 'open'),
    (3, 'Initech', 10.00, 'open');
-- New invoices are numbered after the samples.
ALTER TABLE invoice ALTER COLUMN id RESTART WITH 1000;
