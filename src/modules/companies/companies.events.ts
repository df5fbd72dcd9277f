declare module '../../platform/events/domain-event' {
  interface DomainEventCatalogue {
    CompanyUpdated: { fields_changed: string[] };
  }
}

export {};
