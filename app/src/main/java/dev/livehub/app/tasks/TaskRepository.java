package dev.livehub.app.tasks;

import org.springframework.data.repository.ListCrudRepository;

interface TaskRepository extends ListCrudRepository<Task, Long> {
}
